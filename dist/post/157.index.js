export * from '../chunks/b0ca1f033d2e1048.mjs'
