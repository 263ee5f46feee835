// @postfleet/service-kit (filled in by the foundation work).
export {};
