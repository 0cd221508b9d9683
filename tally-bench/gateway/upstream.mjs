// A fast fake OpenAI upstream for the gateway benchmark (tally-bench/gateway/run.sh): POST /v1/chat/completions
// answers a fixed chat completion, or, when the body asks for "stream":true, an event stream whose first chunk is
// written at once and whose other chunks (the rest of the text, the usage chunk with empty choices, [DONE]) follow
// after STREAM_GAP_MS, so time to first token is measured apart from the stream's length.
// Node, not Python's http.server (whose delayed ACKs add 40 ms); one process, keep-alive, nothing logged.
//   node upstream.mjs PORT [STREAM_GAP_MS=5]
import http from 'node:http';

const port = Number(process.argv[2]);
const gapMs = Number(process.argv[3] ?? 5);
const created = 1733500000;
const plain = Buffer.from(JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created, model: 'gpt-4o',
  choices: [{index: 0, message: {role: 'assistant', content: 'Hello! How can I help you today?', refusal: null},
    logprobs: null, finish_reason: 'stop'}],
  usage: {prompt_tokens: 12, completion_tokens: 9, total_tokens: 21,
    prompt_tokens_details: {cached_tokens: 0, audio_tokens: 0},
    completion_tokens_details: {reasoning_tokens: 0, audio_tokens: 0}},
  system_fingerprint: 'fp_bench'}));
const chunk = (delta, finish) => 'data: ' + JSON.stringify({id: 'chatcmpl-bench', object: 'chat.completion.chunk',
  created, model: 'gpt-4o', system_fingerprint: 'fp_bench',
  choices: [{index: 0, delta, logprobs: null, finish_reason: finish}], usage: null}) + '\n\n';
const first = chunk({role: 'assistant', content: 'Hello', refusal: null}, null);
const rest = chunk({content: '! How can I help'}, null) + chunk({content: ' you today?'}, null) + chunk({}, 'stop')
  + 'data: ' + JSON.stringify({id: 'chatcmpl-bench', object: 'chat.completion.chunk', created,
    model: 'gpt-4o', system_fingerprint: 'fp_bench', choices: [],
    usage: {prompt_tokens: 12, completion_tokens: 9, total_tokens: 21}}) + '\n\n' + 'data: [DONE]\n\n';

const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', () => {
    const body = Buffer.concat(parts).toString();
    if (req.method === 'GET') {
      res.writeHead(200, {'content-type': 'text/plain', 'content-length': 2});
      res.end('ok');
    } else if (/"stream"\s*:\s*true/.test(body)) {
      res.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache',
        'x-request-id': 'req_bench'});
      res.write(first);
      setTimeout(() => res.end(rest), gapMs);
    } else {
      res.writeHead(200, {'content-type': 'application/json', 'content-length': plain.length,
        'x-request-id': 'req_bench'});
      res.end(plain);
    }
  });
});
server.keepAliveTimeout = 120000;
server.headersTimeout = 121000;
server.listen(port, '127.0.0.1');
