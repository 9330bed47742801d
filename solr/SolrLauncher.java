// GovShare's Solr 9 for development and tests: Solr's own embedded Jetty
// runner (org.apache.solr.embedded.JettySolrRunner, from solr-test-framework,
// the runner Solr's tests and MiniSolrCloudCluster start) serving the cores
// under a Solr home on 127.0.0.1. Run by scripts/solr.sh in Java's
// source-file mode on the class path Maven resolved (solr/pom.xml):
//
//     java -cp "$(cat var/solr/classpath.txt)" solr/SolrLauncher.java SOLR_HOME PORT
//
// It stops cleanly on SIGTERM (Jetty's shutdown hook closes the cores).
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

public class SolrLauncher {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: SolrLauncher SOLR_HOME PORT");
            System.exit(2);
        }
        String solrHome = args[0];
        int port = Integer.parseInt(args[1]);
        JettyConfig config = JettyConfig.builder()
                .setPort(port)
                .setContext("/solr")
                .stopAtShutdown(true)
                // start() returns once every core has loaded (or failed to)
                .waitForLoadingCoresToFinish(120_000L)
                .build();
        JettySolrRunner solr = new JettySolrRunner(solrHome, config);
        solr.start();
        System.out.println("Solr " + org.apache.solr.client.api.util.SolrVersion.LATEST
                + " on " + solr.getBaseUrl() + " (home " + solrHome + ")");
        Thread.currentThread().join();
    }
}
