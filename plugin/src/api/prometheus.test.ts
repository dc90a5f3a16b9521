import { ExporterFake, DATASOURCE_UID, sample } from '../test/exporterFake';
import { queryInstant, samplesOfFrame } from './prometheus';

describe('Prometheus through /api/ds/query', () => {
  it('sends every expression in one request, instant, to the chosen data source, and reads the frames back', async () => {
    const fake = new ExporterFake().install();
    fake.prom('upkeep_target_up', [sample({ target: 'main', kind: 'postgres' }, 1), sample({ target: 'cache', kind: 'redis' }, 0)]);
    const result = await queryInstant(DATASOURCE_UID, { up: 'upkeep_target_up', none: 'absent_metric' });
    expect(result.up).toEqual([sample({ target: 'main', kind: 'postgres' }, 1), sample({ target: 'cache', kind: 'redis' }, 0)]);
    expect(result.none).toEqual([]);
    const body = fake.requestsTo(/\/api\/ds\/query$/)[0]?.data as { queries: Array<Record<string, unknown>> };
    expect(body.queries).toEqual([
      expect.objectContaining({ refId: 'up', expr: 'upkeep_target_up', instant: true, range: false, datasource: { type: 'prometheus', uid: DATASOURCE_UID } }),
      expect.objectContaining({ refId: 'none', expr: 'absent_metric' }),
    ]);
  });

  it('reads NaN and infinities that Grafana sends out of band', () => {
    const frame = {
      schema: { fields: [{ name: 'Time', type: 'time' }, { name: 'Value', type: 'number', labels: { a: '1' } }] },
      data: { values: [[1, 2], [null, null]], entities: [null, { NaN: [0], Inf: [1] }] },
    };
    expect(samplesOfFrame(frame)).toEqual([{ labels: { a: '1' }, value: Number.POSITIVE_INFINITY }]);
  });

  it('refuses to guess without a data source, and reports Prometheus’ own error', async () => {
    await expect(queryInstant(undefined, { a: 'up' })).rejects.toMatchObject({ code: 'not_configured' });
    new ExporterFake().install().promFails('up{', 'parse error at char 4');
    await expect(queryInstant(DATASOURCE_UID, { ok: 'up', a: 'up{' })).rejects.toMatchObject({ message: 'Prometheus refused up{: parse error at char 4' });
  });
});
