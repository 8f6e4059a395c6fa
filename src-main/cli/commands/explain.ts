import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildExplainReport,
  formatExplainReport,
  normalizeExplain,
  parseExistingIndexes,
  readExplainFile,
} from '../../core/explain';
import { UsageError, type CliCommand } from '../io';

const usage = `Usage: baleen explain FILE [--json] [--indexes FILE] [--shards N]

Read a saved explain output (JSON, Extended JSON, mongosh/legacy shell text, or one BSON document)
and print its summary, stage tree, findings and ESR index advice.

Options:
  --json            print the report as JSON (summary, stages, findings, advice)
  --indexes FILE    the collection's indexes (listIndexes / getIndexes() output), to check the advice against
  --shards N        number of shards in the cluster, to tell scatter-gather from targeted queries
`;

export const explainCommand: CliCommand = {
  name: 'explain',
  summary: 'Summarise a saved explain plan: numbers, stage tree, findings, index advice',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        indexes: { type: 'string' },
        shards: { type: 'string' },
      },
    });
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing FILE' : 'expected exactly one FILE');
    let totalShards: number | null = null;
    if (values.shards !== undefined) {
      totalShards = Number(values.shards);
      if (!Number.isInteger(totalShards) || totalShards < 1) throw new UsageError('--shards takes a positive whole number');
    }
    const model = normalizeExplain(await readExplainFile(resolve(io.cwd, positionals[0]!)));
    const existingIndexes = values.indexes === undefined ? [] : parseExistingIndexes(await readExplainFile(resolve(io.cwd, values.indexes)));
    const report = buildExplainReport(model, { existingIndexes, findingOptions: { totalShards } });
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatExplainReport(report));
    return 0;
  },
};
