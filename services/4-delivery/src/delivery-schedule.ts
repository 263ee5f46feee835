// When a deferred recipient is tried again and when a message has been queued
// too long (Postfix qmgr: minimal_backoff_time doubling up to
// maximal_backoff_time; maximal_queue_lifetime, bounce_queue_lifetime for mail
// from the null sender; delay_warning_time).
import { globalSetting, parseDuration, type GlobalSettings } from '@postfleet/config';

const ms = (value: string): number => parseDuration(value) ?? 0;

/** Delay before attempt number `attempts + 1`, after `attempts` failed ones (≥ 1). */
export function backoffMs(settings: GlobalSettings, attempts: number): number {
  const min = Math.max(1, ms(globalSetting(settings, 'minimal_backoff_time')));
  const max = Math.max(min, ms(globalSetting(settings, 'maximal_backoff_time')));
  return Math.min(max, min * 2 ** Math.min(30, Math.max(0, attempts - 1)));
}

/** The message has been queued longer than its lifetime: deferred recipients now bounce. */
export function expired(
  settings: GlobalSettings,
  arrival: Date,
  sender: string,
  now: Date,
): boolean {
  const name = sender === '' ? 'bounce_queue_lifetime' : 'maximal_queue_lifetime';
  return now.getTime() - arrival.getTime() >= ms(globalSetting(settings, name));
}

/** A delay notice is due (and none was sent yet). */
export function delayNoticeDue(settings: GlobalSettings, arrival: Date, now: Date): boolean {
  const warn = ms(globalSetting(settings, 'delay_warning_time'));
  return warn > 0 && now.getTime() - arrival.getTime() >= warn;
}
