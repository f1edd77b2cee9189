import { SANDBOX_PATHS } from './policy.js';

/**
 * The forwarder inside a sandbox with `network: {allow}`: it listens on
 * 127.0.0.1:FORWARDER_PORT and relays each connection to the proxy's unix
 * socket (SANDBOX_PATHS.proxySocket). The launcher's start step runs it in
 * the background after the limits are set and before the command, with the
 * seccomp filter already in place; it prints `ready` and closes its stdout once
 * it listens, which is what the start step waits for. Dependency-free Node,
 * passed with `node -e` (so nothing is written or bound for it).
 */

/** Node inside the sandbox (/usr is bound read-only). */
export const SANDBOX_NODE = '/usr/bin/node';

export const FORWARDER_PORT = 3128;

export const FORWARDER_SCRIPT = [
  "const net=require('net'),fs=require('fs');const[port,path]=process.argv.slice(1);",
  'const follow=(a,b)=>a.on("close",e=>{if(e||b.writableFinished)b.destroy();else b.end(()=>b.destroy())});',
  // No .pipe(): it looks at process.stdout, whose descriptor is closed after `ready`.
  'const relay=(a,b)=>{a.on("data",d=>{if(!b.write(d))a.pause()});b.on("drain",()=>a.resume());a.on("end",()=>b.end())};',
  'const s=net.createServer({allowHalfOpen:true},c=>{const u=net.connect({path,allowHalfOpen:true});',
  'for(const x of[c,u])x.on("error",()=>x.destroy());follow(c,u);follow(u,c);relay(c,u);relay(u,c)});',
  's.on("error",e=>{process.stderr.write("orch forwarder: "+e.message+"\\n");process.exit(1)});',
  's.listen(+port,"127.0.0.1",()=>{fs.writeSync(1,"ready");fs.closeSync(1)});',
].join('');

export interface ForwarderStep {
  node: string;
  script: string;
  port: number;
  socket: string;
}

export const DEFAULT_FORWARDER: ForwarderStep = { node: SANDBOX_NODE, script: FORWARDER_SCRIPT, port: FORWARDER_PORT, socket: SANDBOX_PATHS.proxySocket };

/** The variables that point programs at the forwarder. */
export function proxyEnvironment(port: number = FORWARDER_PORT): Record<string, string> {
  const url = `http://127.0.0.1:${port}`;
  return { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: 'localhost,127.0.0.1', no_proxy: 'localhost,127.0.0.1' };
}
