/**
 * `npm run check:deploy`: the pre-deploy check s.yaml runs before `s deploy` builds or uploads
 * anything. Exit 1 (which aborts the deploy) names every missing or placeholder setting.
 */
import { existsSync } from 'node:fs';
import { checkDeploySettings } from '../lib/doctor/check-deploy-settings.js';

const check = checkDeploySettings(process.env);
const { notes } = check;
const problems = [...check.problems];
if (!existsSync('node_modules/esbuild')) {
  // The deploy builds from the installed tree (it never reinstalls, so it never compiles better-sqlite3).
  problems.push({ variable: '(node_modules)', message: 'not installed: run npm install first' });
}
for (const note of notes) console.log(`note: ${note}`);
if (problems.length > 0) {
  console.error(`\nlivewatch pre-deploy check: ${problems.length} problem(s); nothing was deployed`);
  for (const problem of problems) console.error(`  ${problem.variable}: ${problem.message}`);
  console.error(
    '\nSet them in this shell (README "Deploying to Function Compute 3.0") and run s deploy again.',
  );
  process.exitCode = 1;
} else {
  console.log('livewatch pre-deploy check: settings OK');
}
