// SEC-S6: host commands come only from fixed argv templates; labels, host names and user names never
// reach the exec string; arguments reach the shell as exactly one word.
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { BaleenError } from '../../../src-shared/domain/errors';
import { systemClock } from '../ports/clock';
import { buildExecCommand, defineExecTemplate, execAllowlisted, shellQuote, type ExecSessionSource } from './exec-allowlist';
import type { SshChain } from './ssh-chain';

const loadavg = defineExecTemplate('loadavg', ['cat', '/proc/loadavg']);
const readProc = defineExecTemplate('read-proc', ['cat', { arg: 'path', pattern: /^\/proc\/[a-z0-9_/.-]{1,64}$/ }]);
const printText = defineExecTemplate('print', ['printf', '%s', { arg: 'text', pattern: /^[\s\S]*$/ }]);

/** A session that records the command strings it is asked to run and answers nothing useful. */
function recordingSource(): { source: ExecSessionSource; commands: string[] } {
  const commands: string[] = [];
  const chain = {
    execRaw: async (command: string) => {
      commands.push(command);
      throw new BaleenError('E_UNREACHABLE', 'recorded only');
    },
  } as unknown as SshChain;
  return { source: { session: async () => chain }, commands };
}

const hostile = fc
  .tuple(fc.string({ maxLength: 20 }), fc.constantFrom('$(touch MARKER)', ';', '`id`', '\n', "'", '"', '|', '&&', '$HOME', '\\'), fc.string({ maxLength: 20 }))
  .map(([a, m, b]) => `${a}${m}${b}`);

describe('SEC-S6: exec allowlist', () => {
  it('SEC-S6: for 1,000 hostile labels, host and user names, the exec string never contains them', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, hostile, async (label, host, user) => {
        const { source, commands } = recordingSource();
        // The tunnel's identity travels with the session, never into the command.
        void label;
        void host;
        void user;
        await execAllowlisted(source, loadavg, {}, { deadlineMs: 1000, clock: systemClock }).catch(() => undefined);
        expect(commands).toEqual(['timeout -s KILL 1 cat /proc/loadavg']);
        for (const s of [label, host, user]) expect(commands[0]).not.toContain(s);
      }),
      { numRuns: 1000 },
    );
  });

  it('SEC-S6: an argument outside its pattern is refused before anything runs', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (bad) => {
        const { source, commands } = recordingSource();
        const e = await execAllowlisted(source, readProc, { path: `/proc/${bad}` }, { deadlineMs: 1000, clock: systemClock }).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(BaleenError);
        expect((e as BaleenError).code).toBe('E_INVALID_INPUT');
        expect((e as BaleenError).message).not.toContain(`/proc/${bad}`);
        expect(commands).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('SEC-S6: unknown or missing arguments are refused', () => {
    expect(() => buildExecCommand(loadavg, { extra: 'x' })).toThrow(/takes no argument/);
    expect(() => buildExecCommand(readProc, {})).toThrow(/needs its argument/);
    expect(() => buildExecCommand(readProc, { path: '/proc/1/../../etc/shadow\0' })).toThrow(BaleenError);
  });

  it('SEC-S6: a quoted argument is exactly one word for a real /bin/sh (200 random strings)', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, fc.string({ unit: 'binary', maxLength: 40 })), (s) => {
        fc.pre(!s.includes('\0'));
        const out = execFileSync('/bin/sh', ['-c', buildExecCommand(printText, { text: s })], { encoding: 'utf8' });
        expect(out).toBe(s);
      }),
      { numRuns: 200 },
    );
  });

  it('templates are frozen code, and a program must be a literal', () => {
    expect(Object.isFrozen(readProc.argv)).toBe(true);
    expect(() => defineExecTemplate('bad', [{ arg: 'prog', pattern: /.*/ }])).toThrow(/program must be a literal/);
    expect(shellQuote('plain-word_1.0')).toBe('plain-word_1.0');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
