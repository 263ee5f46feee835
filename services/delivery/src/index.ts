// @postfleet/delivery role (placeholder until its issue lands).
export {};
