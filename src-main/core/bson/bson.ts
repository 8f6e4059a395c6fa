/**
 * The one BSON library instance of the process: the driver's own. Imported as ESM, `bson` would load a
 * second copy beside the one the (CommonJS) driver requires: another 17 MB serializer buffer resident
 * for nothing, and `instanceof Long` failing across the two. Everything imports BSON from here (lint).
 */
import { BSON } from 'mongodb';

export const { deserialize, serialize, EJSON, onDemand, calculateObjectSize } = BSON;
export { BSON, Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from 'mongodb';
export type { Document } from 'mongodb';
