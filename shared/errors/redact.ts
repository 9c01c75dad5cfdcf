/**
 * Redaction of credentials in anything that may be logged, stored or shown:
 * Databricks personal access tokens, JWTs (Entra ID tokens), bearer headers,
 * storage account keys and SAS signatures, and `token=`/`secret=` style pairs.
 */
const PATTERNS: Array<[RegExp, string]> = [
  [/\bdapi[0-9a-zA-Z-]{8,}/g, 'dapi***'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '<jwt redacted>'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 ***'],
  [/(AccountKey|SharedAccessKey|SharedAccessSignature)=[^;"'\s]+/gi, '$1=***'],
  [/([?&]sig=)[^&"'\s]+/gi, '$1***'],
  // A quoted JSON value is replaced whole, spaces and commas included.
  [/("(?:token|access_token|client_secret|password|string_value|bytes_value|secret)"\s*:\s*")(?:[^"\\]|\\.)*"/gi, '$1***"'],
  [/(\b(?:token|access_token|client_secret|password|string_value|bytes_value|secret)\s*[:=]\s*)[^"&,\s}]+/gi, '$1***'],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
