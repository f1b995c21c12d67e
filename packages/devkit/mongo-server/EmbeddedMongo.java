import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;

import java.util.List;

/**
 * Offline MongoDB stand-in for dev/tests (started by src/embedded-mongo.ts).
 *
 * Why this exists: mongo-java-server's stock main binds 27017 and reports wire version 8 (or at most
 * 13 = MongoDB 5.0 via ServerVersion), which the Node `mongodb` driver v7 refuses ("requires at least 9").
 * This launcher binds 127.0.0.1:PORT, declares MongoDB 6.0 (wire 17) through MongoBackend.version(MongoVersion),
 * prints "READY <port>", exits when stdin closes (dies with its parent) and shuts down cleanly on SIGTERM
 * (closing the H2 MVStore so data is flushed).
 *
 * Usage: java -cp 'lib/*:classes' EmbeddedMongo --port N [--backend memory|h2] [--file PATH]
 */
public final class EmbeddedMongo {

    /** MongoDB 6.0 = wire version 17. Only used for hello/buildInfo answers. */
    private static final MongoVersion MONGO_6_0 = new MongoVersion() {
        @Override public List<Integer> getVersionArray() { return List.of(6, 0, 0); }
        @Override public int getWireVersion() { return 17; }
    };

    public static void main(String[] args) throws Exception {
        int port = -1;
        String backendName = "memory";
        String file = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--backend" -> backendName = args[i + 1];
                case "--file" -> file = args[i + 1];
                default -> fail("unknown argument " + args[i]);
            }
        }
        if (port <= 0 || port > 65535) fail("--port N is required");

        MongoBackend backend = switch (backendName) {
            case "memory" -> new IndexedMemoryBackend();
            case "h2" -> {
                if (file == null) fail("--file PATH is required for --backend h2");
                yield new H2Backend(file);
            }
            default -> throw fail("unknown backend " + backendName);
        };
        backend.version(MONGO_6_0);

        MongoServer server = new MongoServer(backend);
        // SIGTERM/SIGINT and System.exit() all run this hook; shutdownNow() also closes the backend (H2: MVStore.close()).
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "embedded-mongo-shutdown"));
        try {
            server.bind("127.0.0.1", port);
        } catch (Exception e) { // BindException (rethrown unchecked by Netty); exit, or Netty threads keep the JVM alive
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            fail("cannot bind 127.0.0.1:" + port + ": " + root);
        }
        System.out.println("READY " + port);
        System.out.flush();

        // Parent keeps our stdin open; EOF means it went away (even via SIGKILL), so we go too.
        Thread stdinWatch = new Thread(() -> {
            try {
                while (System.in.read() != -1) { /* ignore input */ }
            } catch (Exception ignored) {
                // treat read errors like EOF
            }
            System.exit(0);
        }, "embedded-mongo-stdin");
        stdinWatch.setDaemon(true);
        stdinWatch.start();
    }

    /**
     * The memory backend, with one gap of its query planner closed: it looks a query up in a unique
     * index only when the query's fields are exactly the index's, so `{userId, eventId, periodKey,
     * 'applied.id': {$nin: [...]}}` — a guarded update — scans the whole collection although the
     * first three fields name at most one document. Here such a query is looked up by those fields
     * and the documents found are then matched against the whole query, as a real server would
     * (same results: the index gives a superset, the matcher decides).
     */
    static final class IndexedMemoryBackend extends MemoryBackend {
        @Override
        public MemoryDatabase openOrCreateDatabase(String databaseName) {
            return new IndexedMemoryDatabase(databaseName, getCursorRegistry());
        }
    }

    static final class IndexedMemoryDatabase extends MemoryDatabase {
        IndexedMemoryDatabase(String databaseName, CursorRegistry cursorRegistry) {
            super(databaseName, cursorRegistry);
        }

        @Override
        protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
            return new IndexedMemoryCollection(this, collectionName, options, cursorRegistry);
        }
    }

    static final class IndexedMemoryCollection extends MemoryCollection {
        IndexedMemoryCollection(MongoDatabase database, String collectionName, CollectionOptions options, CursorRegistry cursorRegistry) {
            super(database, collectionName, options, cursorRegistry);
        }

        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int numberToSkip, int limit, int batchSize, Document fieldSelector) {
            for (Index<Integer> index : getIndexes()) {
                List<String> keys = index.getKeys().stream().map(IndexKey::getKey).toList();
                // Exactly the index's fields: the stock planner handles it. Fewer: no lookup possible.
                if (keys.size() == query.size() || !query.keySet().containsAll(keys)) continue;
                Document byIndex = new Document();
                for (String key : keys) byIndex.put(key, query.get(key));
                if (index.canHandle(byIndex)) {
                    return matchDocuments(query, index.getPositions(byIndex), orderBy, numberToSkip, limit, batchSize, fieldSelector);
                }
            }
            return super.queryDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
        }
    }

    private static RuntimeException fail(String msg) {
        System.err.println("EmbeddedMongo: " + msg);
        System.exit(2);
        return new IllegalStateException(msg);
    }
}
