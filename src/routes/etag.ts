/**
 * Entity tags for the answers the package caches (the public stats, the dashboard's files):
 * one formula for the tag and one `If-None-Match` comparison, so both answer 304 alike.
 *
 * The comparison is RFC 9110 §13.1.2's: weak (`W/"x"` matches `"x"`), over a list of tags,
 * and `*` matches any current answer. Tags are parsed as quoted strings rather than split on
 * commas, because a comma is a legal character inside one. A header that names no tag this
 * way matches nothing, so a malformed one costs a full answer, never a wrong 304.
 */
import { createHash } from 'node:crypto'

/** A strong `ETag` of a body: 27 base64url characters of its SHA-256 (162 bits), quoted. */
export function etagOf (body: string | Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
}

/** One element of an `If-None-Match` list: an entity tag, weak or strong; group 1 is its opaque part. */
const LIST_ELEMENT = /[\s,]*(?:W\/)?"([^"]*)"[ \t]*(?=,|$)/y
/** What may follow the last element: separators only. */
const LIST_END = /[\s,]*$/y

/** The opaque part of a tag (`W/"x"` and `"x"` both give `x`), for the weak comparison. */
const opaque = (etag: string): string => etag.replace(/^W\//, '').replace(/^"|"$/g, '')

/**
 * Whether an `If-None-Match` header names `etag` (weak comparison; a list; `*`), so the
 * answer is 304 Not Modified. The list is read element by element up to the first one that
 * is not an entity tag (`w/"x"`, an unquoted token): from there on, nothing matches.
 */
export function ifNoneMatchHits (header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  if (header.trim() === '*') return true
  const wanted = opaque(etag)
  let at = 0
  for (;;) {
    LIST_END.lastIndex = at
    if (LIST_END.test(header)) return false
    LIST_ELEMENT.lastIndex = at
    const element = LIST_ELEMENT.exec(header)
    if (element === null) return false
    if (element[1] === wanted) return true
    at = LIST_ELEMENT.lastIndex
  }
}
