/**
 * The emulator speaks the same lossless JSON as the client: int64 values beyond
 * 2^53 are bigint in memory and exact digits on the wire.
 */
export { parseJson as fromJson, stringifyJson as toJson } from '../../shared/codec/json.js';
