// Postfix 3.7's defaults for the address-resolution settings issue 8 added
// (recipient_delimiter, parent_domain_matches_subdomains, allow_percent_hack,
// resolve_numeric_domain, relay_domains_reject_code, smtpd_dnsbl_tempfail_defer)
// and the parent_domain_matches_subdomains feature test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSetting, globalSettingDefaults, parentDomainMatchesSubdomains } from '../src/index.ts';

test('catalogue defaults: Postfix 3.7 values, allow_percent_hack documented as differing', () => {
  const d = globalSettingDefaults();
  assert.equal(d.recipient_delimiter, '');
  assert.equal(
    d.parent_domain_matches_subdomains,
    'debug_peer_list, fast_flush_domains, mynetworks, permit_mx_backup_networks, qmqpd_authorized_clients, relay_domains, smtpd_access_maps',
  );
  assert.equal(d.allow_percent_hack, false);
  assert.equal(findSetting('allow_percent_hack')?.postfixDefault, 'yes');
  assert.equal(d.resolve_numeric_domain, false);
  assert.equal(d.relay_domains_reject_code, 554);
  assert.equal(d.smtpd_dnsbl_tempfail_defer, false);
});

test('parentDomainMatchesSubdomains names whole features, $name expanded', () => {
  assert.equal(parentDomainMatchesSubdomains(undefined, 'relay_domains'), true);
  assert.equal(parentDomainMatchesSubdomains(undefined, 'smtpd_access_maps'), true);
  assert.equal(parentDomainMatchesSubdomains(undefined, 'mydestination'), false);
  const custom = { parent_domain_matches_subdomains: 'relay_domains,$extra', extra: 'x_maps' };
  assert.equal(parentDomainMatchesSubdomains(custom, 'smtpd_access_maps'), false);
  assert.equal(parentDomainMatchesSubdomains(custom, 'relay_domains'), true);
  assert.equal(parentDomainMatchesSubdomains(custom, 'x_maps'), true);
  assert.equal(parentDomainMatchesSubdomains(custom, 'relay'), false);
});
