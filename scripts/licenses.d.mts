// Types for licenses.mjs, which the build runs as plain JavaScript and the tests import.
export interface BundledPackage {
  name: string
  version: string
  license: string
  text: string | null
}
export interface StatsModule {
  identifier?: string
  modules?: StatsModule[]
}
export interface Stats {
  modules?: StatsModule[]
  chunks?: { modules?: StatsModule[] }[]
}
export function modulePath(identifier: string): string
export function bundledPackageDirs(stats: Stats, root: string): string[]
export function readPackage(dir: string): BundledPackage
export function renderLicenses(packages: BundledPackage[]): string
export function licensesFromStats(stats: Stats, root: string): string
