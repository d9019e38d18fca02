/** Route registration with AED's 405 answer for the methods a route does not take. */
import type { Context, Handler, Hono } from 'hono'
import { aedJsonResponse } from './json.js'

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
export type Method = (typeof METHODS)[number]

/** Registers a route's methods and answers the others with 405 and the errors envelope. */
export function route(app: Hono, path: string, handlers: Partial<Record<Method, Handler>>): void {
  for (const method of METHODS) {
    const handler = handlers[method]
    if (handler !== undefined) app.on(method, path, handler)
  }
  const allowed = Object.keys(handlers).join(', ')
  app.all(path, () => {
    const response = aedJsonResponse(
      {
        errors: [
          { code: 'methodNotAllowed', message: 'The method is not allowed for the requested URL.' },
        ],
        message: 'Method Not Allowed',
      },
      405,
    )
    response.headers.set('allow', allowed)
    return response
  })
}

/** A path parameter of a matched route (always present once the route matched). */
export const param = (c: Context, name: string): string => c.req.param(name) ?? ''
