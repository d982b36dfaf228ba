/**
 * Request validation. Two ajv instances: URLs carry only text, so query
 * strings and path parameters are coerced to their declared types; bodies are
 * never coerced — an amount sent as the JSON number 350 instead of "350.00"
 * is refused rather than guessed at. Neither strips unknown properties: a
 * misspelt money field must fail loudly, not vanish.
 *
 * Text with the NUL character (U+0000) is refused in every part of every
 * request: PostgreSQL cannot store it in a text column, and no name, id or
 * note of the domain has one, so both engines answer the same 400.
 */
import { Ajv, type Options } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'
import type { FastifyValidationResult } from 'fastify/types/schema.js'

// ajv-formats is CommonJS with a default export; under NodeNext the plugin sits on `.default`.
type AddFormats = (ajv: Ajv) => Ajv
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats)

function make(options: Options) {
  const ajv = new Ajv({ removeAdditional: false, allErrors: true, useDefaults: true, strict: false, ...options })
  addFormats(ajv)
  return ajv
}

/** The JSON pointer of the first string (or key) with a NUL character in it, if any. */
function nulAt(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined
  if (value === null || typeof value !== 'object') return undefined
  for (const [k, v] of Object.entries(value)) {
    const at = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`
    if (k.includes('\u0000')) return at
    const found = nulAt(v, at)
    if (found !== undefined) return found
  }
  return undefined
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = make({ coerceTypes: false })
  const url = make({ coerceTypes: 'array' })
  return ({ schema, httpPart }) => {
    const check = (httpPart === 'body' ? strict : url).compile(schema as object)
    const validate: FastifyValidationResult = (data: unknown) => {
      if (!check(data)) {
        validate.errors = check.errors as FastifySchemaValidationError[]
        return false
      }
      const at = nulAt(data)
      if (at !== undefined) {
        validate.errors = [{ instancePath: at, keyword: 'nul', params: {}, schemaPath: '#', message: 'must not contain the NUL character (U+0000)' }]
        return false
      }
      validate.errors = null
      return true
    }
    return validate
  }
}
