// A webhook receiver that verifies every delivery with the npm standardwebhooks package.
// Usage: node receiver.mjs <whsec_secret>. Prints "listening <port>", then one JSON line per delivery.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.argv[2]);
const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      const event = webhook.verify(body, request.headers);
      console.log(JSON.stringify({ verified: true, id: request.headers['webhook-id'], type: event.type }));
      response.writeHead(200).end('verified');
    } catch (error) {
      console.log(JSON.stringify({ verified: false, error: String(error) }));
      response.writeHead(400).end('not verified');
    }
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
// Bounded: exits after RECEIVER_SECONDS (60 by default), so a test never leaves it behind.
setTimeout(() => process.exit(2), (Number(process.env.RECEIVER_SECONDS) || 60) * 1000).unref();
