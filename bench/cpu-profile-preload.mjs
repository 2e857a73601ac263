// Loaded with NODE_OPTIONS=--import by `npm run bench -- --profile` (--cpu-prof is not allowed in
// NODE_OPTIONS). SIGUSR2 starts profiling this process with the inspector, so the profile covers
// the timed load and not the start and the seeding; it is written when the process exits.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import process from 'node:process';

const dir = process.env.ROADWORKS_PROFILE_DIR;
if (dir) {
  process.once('SIGUSR2', () => {
    const session = new Session();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.start');
    process.on('exit', () => {
      // An in-process inspector session answers synchronously, so this completes before exit.
      session.post('Profiler.stop', (err, result) => {
        if (!err) writeFileSync(`${dir}/${process.pid}.cpuprofile`, JSON.stringify(result.profile));
      });
    });
  });
}
