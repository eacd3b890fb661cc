import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve('bin/legajo.js');

export interface Started {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  exited: Promise<number | null>;
}

export function env(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // Only what the service needs: no DATABASE_URL or S3 settings leak in from the outer environment.
  return { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', ...extra };
}

export function run(args: string[], dataDir: string, extra: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: env(dataDir, extra) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `legajo start` and waits for its "running" log line, which carries the URL. */
export function start(dataDir: string): Promise<Started> {
  const child = spawn(process.execPath, [BIN, 'start'], { env: env(dataDir) });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (c) => (err += c));
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /"url":"(http:\/\/[^"]+)".*"msg":"legajo en marcha"/.exec(out);
      if (m) resolve({ child, url: m[1]!, stdout: () => out, exited });
    });
    void exited.then((code) => reject(new Error(`legajo start terminó (código ${code}) antes de quedar en marcha:\n${out}\n${err}`)));
  });
}
