/**
 * The operator dashboard's file server, under `/dashboard/`: the files of `assets.ts`,
 * gzipped on first request and answered with an `ETag` (304 when `If-None-Match` names it,
 * compared by `../etag.ts` like the public stats). None of these routes holds data or needs
 * the token; they are hidden from the OpenAPI document.
 */
import { gzipSync } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ifNoneMatchHits } from '../etag.ts'
import { loadAssets, type Asset } from './assets.ts'

function send (request: FastifyRequest, reply: FastifyReply, file: Asset | undefined): FastifyReply {
  if (file === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('Not Found')
  reply.headers(file.headers).header('etag', file.etag).header('vary', 'accept-encoding')
  if (ifNoneMatchHits(request.headers['if-none-match'], file.etag)) return reply.code(304).send()
  reply.type(file.type)
  if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) && file.body.length > 1024) {
    file.gzipped ??= gzipSync(file.body)
    return reply.header('content-encoding', 'gzip').send(file.gzipped)
  }
  return reply.send(file.body)
}

/** Registers the dashboard's routes on `app` under `prefix` + `/dashboard/`. */
export async function registerDashboard (app: FastifyInstance, prefix = ''): Promise<void> {
  const assets = await loadAssets()
  await app.register(async function dashboard (scope) {
    const hidden = { schema: { hide: true } }
    // Relative asset URLs need the trailing slash; the query (the page's view) goes along.
    scope.get('', hidden, async (request, reply) => {
      const query = request.url.indexOf('?')
      return reply.redirect(query === -1 ? `${request.url}/` : `${request.url.slice(0, query)}/${request.url.slice(query)}`, 308)
    })
    scope.get('/', { ...hidden, prefixTrailingSlash: 'slash' }, async (request, reply) => send(request, reply, assets.get('index.html')))
    scope.get('/:name', hidden, async (request, reply) => {
      const { name } = request.params as { name: string }
      return send(request, reply, name === 'index.html' ? undefined : assets.get(name))
    })
    scope.get('/vendor/:name', hidden, async (request, reply) => send(request, reply, assets.get(`vendor/${(request.params as { name: string }).name}`)))
  }, { prefix: `${prefix}/dashboard` })
}
