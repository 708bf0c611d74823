/**
 * A private PostgreSQL cluster for the soak, so it can restart Postgres under load without
 * touching the machine's shared server (other tests use that one in parallel). Built from
 * Debian's binaries (`/usr/lib/postgresql/<major>/bin`): `initdb` in a temporary directory,
 * trust authentication, a free loopback port, `pg_ctl restart` for the fault, `pg_ctl stop`
 * and the directory removed at the end. As root (CI), the binaries run as `postgres`: initdb
 * refuses root.
 */
import { execFile, execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const DEBIAN_POSTGRES = '/usr/lib/postgresql'

/** A running private cluster. */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string
  port: number
  /** `pg_ctl restart -m fast`: every connection is cut, the server is back when it resolves. */
  restart: () => Promise<void>
  /** Stops the server and removes its directory. */
  destroy: () => Promise<void>
}

/** The newest Debian PostgreSQL `bin` directory, or undefined when none is installed. */
export function postgresBinDir (): string | undefined {
  if (!existsSync(DEBIAN_POSTGRES)) return undefined
  const majors = readdirSync(DEBIAN_POSTGRES).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a))
  const found = majors.map((m) => join(DEBIAN_POSTGRES, m, 'bin')).find((dir) => existsSync(join(dir, 'initdb')))
  return found
}

async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { resolve(typeof address === 'object' && address !== null ? address.port : 0) })
    })
  })
}

/** Creates and starts a private cluster on a free loopback port. */
export async function startPostgresCluster (): Promise<PostgresCluster> {
  const bin = postgresBinDir()
  if (bin === undefined) throw new Error(`no PostgreSQL binaries under ${DEBIAN_POSTGRES} (Debian's postgresql package)`)
  const dir = mkdtempSync(join(tmpdir(), 'fw-soak-pg-'))
  const asRoot = process.getuid?.() === 0
  // As root: run every binary as `postgres`, which must own the directory.
  const exec = async (tool: string, args: string[]): Promise<void> => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]
    await run(file, argv, { maxBuffer: 8 << 20 })
  }
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const uid = Number(stdout.trim())
    const { stdout: gidOut } = await run('id', ['-g', 'postgres'])
    chownSync(dir, uid, Number(gidOut.trim()))
  }
  const data = join(dir, 'data')
  const port = await freePort()
  await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions'])
  // Local socket in the cluster's own directory (not /var/run/postgresql, which the shared server uses).
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=50`
  const pgCtl = (action: string, extra: string[] = []): Promise<void> =>
    exec('pg_ctl', [action, '-D', data, '-w', '-t', '60', '-l', join(dir, 'server.log'), ...extra])
  await pgCtl('start', ['-o', serverOptions])
  let stopped = false
  // Should the soak's process die, the server must not outlive it.
  const stopOnExit = (): void => {
    if (stopped) return
    const argv = ['stop', '-D', data, '-m', 'immediate']
    try {
      if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...argv], { stdio: 'ignore' })
      else execFileSync(join(bin, 'pg_ctl'), argv, { stdio: 'ignore' })
    } catch { /* already down */ }
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', stopOnExit)
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    restart: () => pgCtl('restart', ['-m', 'fast', '-o', serverOptions]),
    destroy: async () => {
      if (!stopped) {
        stopped = true
        process.removeListener('exit', stopOnExit)
        await pgCtl('stop', ['-m', 'fast']).catch(() => {})
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
