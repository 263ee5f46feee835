// @postfleet/queue-record (filled in by the foundation work).
export {};
