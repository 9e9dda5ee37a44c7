// A JSON-lines program that does no work, for verify.exec_no_work_steps_per_s
// (bench/verify.ts): it answers each request with the answer `nvme-lm serve`
// gave the very same request in a run before, read from a recording of that
// conversation. verify against it is verify's own work and the pipes, the
// floor under any target's speed. It reads its stdin by trying, as `serve`
// does (stdinLines.ts), and answers a request that is not the recorded one
// with an error, so a run that strays fails instead of timing nonsense.
//
//   node --import tsx bench/cannedTarget.ts REQUESTS.jsonl ANSWERS.jsonl
import { readFileSync } from 'node:fs';
import { stdinPipeLines } from '../src/verify/stdinLines.ts';

const [requestsFile, answersFile] = process.argv.slice(2);
if (requestsFile === undefined || answersFile === undefined) {
  process.stderr.write('usage: cannedTarget.ts REQUESTS.jsonl ANSWERS.jsonl (a recorded conversation: request lines and serve\'s answer lines)\n');
  process.exit(2);
}
const requests = readFileSync(requestsFile, 'utf8').split('\n');
const answers = readFileSync(answersFile, 'utf8').split('\n');
const input = stdinPipeLines();
if (input === null) {
  process.stderr.write('cannedTarget.ts: stdin must be a pipe (verify --exec gives one)\n');
  process.exit(2);
}
let at = 0;
for (let line = await input.next(); typeof line === 'string'; line = await input.next()) {
  if (line.trim() === '') continue;
  if (line === requests[at] && at < answers.length) process.stdout.write(`${answers[at++]}\n`);
  else process.stdout.write(`${JSON.stringify({ error: `request ${at + 1} is not the recorded one` })}\n`);
}
input.close();
