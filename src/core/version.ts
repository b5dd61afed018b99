/** The tool's name and version, as in package.json (a test keeps the two equal). */
export const TOOL_NAME = 'redis-memory-guard'
export const TOOL_VERSION = '0.1.0'
