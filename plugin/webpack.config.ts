/**
 * The scaffold's webpack configuration (.config/, not edited), plus the
 * repository's dashboards: they live in ../dashboards (provisioned and
 * tested there) and ship in the plugin so enabling the app installs them.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  return {
    ...base,
    plugins: [
      ...(base.plugins ?? []),
      // `from` is relative to the webpack context, src/.
      new CopyWebpackPlugin({ patterns: [{ from: '../../dashboards/*.json', to: 'dashboards/[name][ext]', noErrorOnMissing: true }] }),
    ],
  };
};

export default config;
