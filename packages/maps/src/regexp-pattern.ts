// regexp_table(5) patterns for access and address tables: the one
// implementation lives in @postfleet/config (the compiler validates with it).
export { parseRegexpPattern, substituteGroups, type RegexpPattern } from '@postfleet/config';
