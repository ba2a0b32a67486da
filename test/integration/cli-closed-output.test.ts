/**
 * A server whose output reader went away (a closed pipe: `xdom demo | head`, a bench that
 * died) keeps serving and still shuts down cleanly: EPIPE on stdout is not a crash.
 */
import { expect } from 'chai';
import { request } from 'undici';
import { startDemo } from '../helpers/cli.js';

describe('xdom with its output closed', function () {
  this.timeout(30_000);

  it('keeps answering, and SIGTERM still ends it cleanly (exit 0, not an EPIPE crash)', async () => {
    const demo = await startDemo();
    try {
      demo.proc.stdout.destroy();
      demo.proc.stderr.destroy();
      const r = await request(`${demo.orchestrator}/stats`);
      expect(r.statusCode).to.equal(200);
      await r.body.dump();
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => demo.proc.once('exit', (code, signal) => ok({ code, signal })));
      demo.proc.kill('SIGTERM');
      expect(await exited).to.deep.equal({ code: 0, signal: null });
    } finally {
      if (demo.proc.exitCode === null && demo.proc.signalCode === null) demo.proc.kill('SIGKILL');
    }
  });
});
