// @postfleet/qmgr role (placeholder until its issue lands).
export {};
