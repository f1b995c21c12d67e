export { freePort, startEmbeddedMongo, type EmbeddedMongo, type EmbeddedMongoOptions } from './embedded-mongo.js'
export { startEmbeddedDatabase } from './embedded-database.js'
