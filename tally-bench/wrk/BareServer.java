import io.javalin.Javalin;

/**
 * The ceiling for the authorize benchmark: a bare Javalin endpoint that answers every POST /decide with a fixed body
 * (a decision as Tally writes it), parsing nothing; or every POST to PATH, when given (events.sh answers
 * {@code /v1/events} with an ingestion report). Run as a single-file program on the benchmark jar's classpath:
 * {@code java -cp tally-bench/target/benchmarks.jar tally-bench/wrk/BareServer.java PORT BODY [PATH]}.
 */
public class BareServer {
    public static void main(String[] args) throws Exception {
        String body = args[1];
        String path = args.length > 2 ? args[2] : "/decide";
        Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.post(path, ctx -> ctx.contentType("application/json").result(body));
        }).start("127.0.0.1", Integer.parseInt(args[0]));
        Thread.currentThread().join();
    }
}
