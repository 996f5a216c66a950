"""The demo incident's script: services, message templates, the git history and the timeline.

Times are minutes from the scenario's base time (``build`` shifts the base so
the incident is "now" when the demo runs). The guilty change is the pool-size
commit at minute 50; the deploy that applies it lands at minute 52; pool
timeouts start at minute 55 and climb.
"""

from __future__ import annotations

DURATION_MIN = 90
POOL_COMMIT_MIN = 50
DEPLOY_MIN = 52
ERRORS_FROM_MIN = 55
SEED = 20261123

CHECKOUT_POD = "checkout-api-7d9c6b5f4-x2k4p"
CHECKOUT_POD_NEW = "checkout-api-5b8f7d9c6-q7m2z"
ENDPOINTS = ("POST /api/v1/checkout", "GET /api/v1/cart", "POST /api/v1/cart/items", "GET /api/v1/orders")
SKUS = ("SKU-10442", "SKU-20981", "SKU-31177", "SKU-48820", "SKU-51236", "SKU-66310")

CHECKOUT_INFO = (
    "c.s.checkout.web.RequestLog - {endpoint} completed status=200 in {ms}ms user={user}",
    "c.s.checkout.cart.CartService - cart {cart} repriced: {items} items, total={total} EUR",
    "c.s.checkout.order.OrderService - order {order} created for cart {cart}",
    "c.s.checkout.client.PaymentsClient - payment authorised for order {order} in {ms}ms",
)
CHECKOUT_NOISE = (
    "WARN", "c.s.checkout.client.InventoryClient - inventory reservation slow for {sku}: {ms}ms (threshold 800ms)",
)
POOL_TIMEOUT = ("com.zaxxer.hikari.pool.HikariPool - HikariPool-1 - Connection is not available, "
                "request timed out after 30000ms.")
POOL_STACK = (
    "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.",
    "\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)",
    "\tat com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)",
    "\tat c.s.checkout.order.OrderRepository.save(OrderRepository.java:88)",
)
REQUEST_FAILED = "c.s.checkout.web.ErrorHandler - {endpoint} failed status=503 in {ms}ms: database connection unavailable"
DEPLOY_LINES = (
    "c.s.checkout.CheckoutApplication - Starting CheckoutApplication v2.41.0 on " + CHECKOUT_POD_NEW,
    "com.zaxxer.hikari.HikariDataSource - HikariPool-1 - Starting...",
    "com.zaxxer.hikari.HikariConfig - HikariPool-1 - maximumPoolSize.........10",
    "com.zaxxer.hikari.HikariDataSource - HikariPool-1 - Start completed.",
    "c.s.checkout.CheckoutApplication - Started CheckoutApplication in 7.412 seconds",
)

PAYMENTS_INFO = (
    "authorisation approved order={order} amount={total} psp=adyen latency_ms={ms}",
    "capture settled order={order} amount={total}",
    "webhook delivered event=payment.authorised order={order}",
)
PAYMENTS_NOISE = ("WARN", "webhook delivery retry event=payment.captured order={order} attempt=2")

INVENTORY_INFO = (
    "stock reserved sku={sku} qty={items} reservation={order}",
    "stock level refreshed sku={sku} available={total}",
)
INVENTORY_NOISE = ("ERROR", "Failed to refresh supplier feed for sku={sku}: Read timed out after 5000ms (supplier-feed.partner.example)")

NGINX_UA = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            "ShopApp/5.12.0 (iOS 17.5)", "ShopApp/5.12.0 (Android 14)")

# The repository's history: (minute, author, email, message, {path: content}).
# Minute offsets before 0 are earlier days. The checkout.yaml content before the guilty commit is BASE_CONFIG.
BASE_CONFIG = """\
service: checkout-api
http:
  port: 8080
  request_timeout_ms: 35000
database:
  url: jdbc:postgresql://orders-db.internal:5432/orders
  DB_POOL_MAX_SIZE: 50
  DB_POOL_MIN_IDLE: 10
  DB_POOL_CONNECTION_TIMEOUT_MS: 30000
payments:
  base_url: http://payments.internal:8080
inventory:
  base_url: http://inventory.internal:8080
"""
FLAGS = """\
flags:
  new_recommendations_widget: {pct}
  express_checkout: 100
"""
README = """\
# checkout-api

The checkout service: carts, orders and payment authorisation.
{extra}"""
POM = """\
<project>
  <artifactId>checkout-api</artifactId>
  <version>2.41.0</version>
  <dependencies>
    <dependency><artifactId>jackson-databind</artifactId><version>{jackson}</version></dependency>
    <dependency><artifactId>HikariCP</artifactId><version>5.1.0</version></dependency>
  </dependencies>
</project>
"""
HISTORY = (
    (-2 * 24 * 60, "Priya Raman", "priya@shop.example", "Initial import of checkout-api 2.40",
     {"config/checkout.yaml": BASE_CONFIG, "config/flags.yaml": FLAGS.format(pct=0),
      "README.md": README.format(extra=""), "pom.xml": POM.format(jackson="2.17.1")}),
    (-26 * 60, "Tom Becker", "tom@shop.example", "docs: link the checkout runbook from the README",
     {"README.md": README.format(extra="\nRunbook: docs/runbook.md\n")}),
    (-5 * 60, "dependabot[bot]", "bot@shop.example", "build(deps): bump jackson-databind from 2.17.1 to 2.17.2",
     {"pom.xml": POM.format(jackson="2.17.2")}),
    (20, "Ana Silva", "ana@shop.example", "flags: roll new recommendations widget out to 10% of users",
     {"config/flags.yaml": FLAGS.format(pct=10)}),
    (POOL_COMMIT_MIN, "Marco Visser", "marco@shop.example",
     "checkout: reduce DB pool to 10 to stay under the new pgbouncer limits\n\n"
     "DB_POOL_MAX_SIZE 50 -> 10 in config/checkout.yaml. pgbouncer now allows 40 server connections per\n"
     "database and we run four replicas.",
     {"config/checkout.yaml": BASE_CONFIG.replace("DB_POOL_MAX_SIZE: 50", "DB_POOL_MAX_SIZE: 10")}),
    (75, "Tom Becker", "tom@shop.example", "docs: on-call rotation moved to the payments team",
     {"README.md": README.format(extra="\nRunbook: docs/runbook.md\nOn-call: payments team rotation.\n")}),
)
