/**
 * `@fastify/cookie` as the capture plugin uses it: only its serializer and parser.
 *
 * Why a module of its own: the library's per-reply `onSend` hook (which `reply.setCookie`
 * needs) must run on no route of the gateway's, so the library is borrowed from the
 * gateway's registration when there is one, else registered in an empty encapsulated scope.
 */
import fastifyCookie, { type SerializeOptions } from '@fastify/cookie'
import type { FastifyInstance } from 'fastify'

/** The parts of `@fastify/cookie` the plugin uses: its serializer and its parser. */
export interface CookieLibrary {
  serialize: (name: string, value: string, options: SerializeOptions) => string
  parse: (header: string) => Record<string, string | undefined>
}

/**
 * `@fastify/cookie`'s serializer and parser: the gateway's when it registered the library
 * where the plugin is, else from an instance registered in an empty encapsulated scope, so
 * that the library's per-reply `onSend` hook runs on no route.
 */
export async function cookieLibrary (fastify: FastifyInstance): Promise<CookieLibrary> {
  if (fastify.hasDecorator('serializeCookie') && fastify.hasDecorator('parseCookie')) {
    return { serialize: fastify.serializeCookie, parse: fastify.parseCookie }
  }
  let library: CookieLibrary | undefined
  await fastify.register(async function attributionCookieLibrary (scope) {
    await scope.register(fastifyCookie, { hook: false })
    library = { serialize: scope.serializeCookie, parse: scope.parseCookie }
  })
  return library!
}

