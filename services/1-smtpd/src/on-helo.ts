// HELO: the same stage as EHLO (on-ehlo.ts: smtpd_helo_restrictions, then the
// reply), answered with the bare hostname line and no extension list.
export { createOnHelo } from './on-ehlo.ts';
