/**
 * Request validation. Two ajv instances: URLs carry only text, so query
 * strings and path parameters are coerced to their declared types; bodies are
 * never coerced — an amount sent as the JSON number 350 instead of "350.00"
 * is refused rather than guessed at. Neither strips unknown properties: a
 * misspelt money field must fail loudly, not vanish.
 */
import { Ajv, type Options } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

// ajv-formats is CommonJS with a default export; under NodeNext the plugin sits on `.default`.
type AddFormats = (ajv: Ajv) => Ajv
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats)

function make(options: Options) {
  const ajv = new Ajv({ removeAdditional: false, allErrors: true, useDefaults: true, strict: false, ...options })
  addFormats(ajv)
  return ajv
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = make({ coerceTypes: false })
  const url = make({ coerceTypes: 'array' })
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : url).compile(schema as object)
}
