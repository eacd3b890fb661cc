// s3rver in its own process for the storage benchmark, so the server does not share the client's event loop and
// core. Prints one JSON line ({ port, accessKey, secretKey }) when listening; cleans up on SIGTERM.
import { startS3rver } from '../test/storage/s3rverServer.ts';

const server = await startS3rver();
process.stdout.write(JSON.stringify({ port: server.port, accessKey: server.accessKey, secretKey: server.secretKey }) + '\n');
process.once('SIGTERM', () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
