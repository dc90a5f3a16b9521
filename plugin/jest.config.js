// Timezone-independent dates in tests.
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');
const swcTransform = base.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  ...base,
  // d3-color (pulled in by @grafana/data 13) ships only .mjs files, which the
  // scaffold's transform pattern does not match: "Unexpected token 'export'".
  transform: {
    '^.+\\.(t|j)sx?$': swcTransform,
    '^.+\\.mjs$': swcTransform,
  },
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, '@react-hookz', '@ver0'])],
  // The exporter's thresholds live outside the plugin (alerts/thresholds.json) and are imported from there.
  roots: ['<rootDir>/src'],
};
