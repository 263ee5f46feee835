// regexp_table(5) patterns for access and address tables: the one linear-time
// (RE2) implementation lives in @postfleet/config (the compiler validates with it).
export {
  compileRegexpList,
  parseRegexpPattern,
  substituteGroups,
  type RegexpList,
  type RegexpListMatch,
  type RegexpPattern,
} from '@postfleet/config';
