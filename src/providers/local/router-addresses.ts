/**
 * Where the router must listen besides the host's 127.0.0.1 so every driver's instances reach
 * it: each driver names its own address (docker: the bridge gateway) or none.
 */
import type { Driver } from '../../drivers/driver.js';

/** The drivers' router addresses, each once, in the drivers' order; a driver that cannot tell now adds none. */
export async function routerListenAddresses(drivers: Readonly<Record<string, Pick<Driver, 'routerAddress'>>>): Promise<string[]> {
  const addresses = await Promise.all(Object.values(drivers).map((driver) => driver.routerAddress?.().catch(() => null) ?? null));
  return [...new Set(addresses.filter((address): address is string => address !== null))];
}
