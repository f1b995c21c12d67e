export * from './roles.js'
export * from './common.js'
export * from './problem.js'
export * from './auth.js'
