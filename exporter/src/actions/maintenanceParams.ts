/**
 * The parameters vacuum, analyze and reindex share, so the three describe
 * them alike in the catalog. Names are plain text here: whether they name
 * anything is for the catalog to say (relationResolver.ts), in prepare.
 */
import { z } from 'zod';

/**
 * A bound on input, not a rule about names: PostgreSQL keeps 63 bytes per
 * name, so anything longer simply names nothing (404), but a megabyte of
 * "name" is not worth a catalog query.
 */
const MAX_NAME_INPUT = 300;

// PostgreSQL text cannot hold NUL: such a name could only make the lookup query fail.
const name = () => z.string().min(1).max(MAX_NAME_INPUT).refine((v) => !v.includes('\u0000'), 'must not contain a NUL character');

export const databaseParam = name().describe("Database to work in; the database of the target's DSN when absent.");

const EXACT = 'compared exactly with the catalog (no quotes or case folding: public.Orders is schema "public", name "Orders"); the schema ends at the first dot';

/** `whenAbsent` says what the action does without it. */
export const tableParam = (whenAbsent: string) =>
  name().describe(`Table, materialized view or partitioned table as schema.name, ${EXACT}. ${whenAbsent}`);

export const indexParam = (whenAbsent: string) => name().describe(`Index as schema.name, ${EXACT}. ${whenAbsent}`);
