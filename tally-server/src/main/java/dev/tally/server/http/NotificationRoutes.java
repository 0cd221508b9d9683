package dev.tally.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.notify.Channel;
import dev.tally.core.notify.ChannelType;
import dev.tally.core.notify.DeliveryQuery;
import dev.tally.core.notify.DeliveryState;
import dev.tally.core.notify.Notification;
import dev.tally.core.notify.NotificationStore;
import dev.tally.core.notify.WebhookSignature;
import dev.tally.core.problem.NotFoundException;
import dev.tally.server.json.NotificationJson;
import dev.tally.server.notify.Notifications;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/** Administration of notification channels, and the delivery log of the outbox. Admin key only. */
public final class NotificationRoutes {
    private final NotificationStore store;
    private final Notifications notifications;
    private final NotificationJson notificationJson;
    private final Access access;
    private final Requests requests;
    private final ObjectMapper json;

    public NotificationRoutes(NotificationStore store, Notifications notifications, NotificationJson notificationJson,
                              Access access, Requests requests, ObjectMapper json) {
        this.store = store;
        this.notifications = notifications;
        this.notificationJson = notificationJson;
        this.access = access;
        this.requests = requests;
        this.json = json;
    }

    public void register(RoutesConfig routes) {
        routes.put("/v1/channels/{channel_id}", this::putChannel);
        routes.get("/v1/channels", this::listChannels);
        routes.get("/v1/channels/{channel_id}", this::getChannel);
        routes.delete("/v1/channels/{channel_id}", this::deleteChannel);
        routes.post("/v1/channels/{channel_id}/test", this::testChannel);
        routes.get("/v1/deliveries", this::listDeliveries);
        routes.get("/v1/deliveries/{delivery_id}", this::getDelivery);
    }

    private void putChannel(Context ctx) {
        access.requireAdmin(ctx);
        String id = ctx.pathParam("channel_id");
        Channel existing = store.channel(id).orElse(null);
        Channel channel = notificationJson.parseChannel(id, requests.body(ctx), existing,
                notifications.emailConfigured());
        String generated = null;
        if (channel.type() == ChannelType.WEBHOOK && channel.secret() == null) {
            generated = WebhookSignature.newSecret();
            channel = channel.withSecret(generated);
        }
        store.putChannel(channel);
        ctx.status(existing == null ? 201 : 200).json(notificationJson.writeChannel(channel, generated));
    }

    private void listChannels(Context ctx) {
        access.requireAdmin(ctx);
        Page<Channel> page = Page.byId(ctx, store.channels(), Channel::id);
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("channels");
        page.items().forEach(c -> list.add(notificationJson.writeChannel(c, null)));
        out.put("next_cursor", page.nextCursor());
        ctx.json(out);
    }

    private void getChannel(Context ctx) {
        access.requireAdmin(ctx);
        ctx.json(notificationJson.writeChannel(requireChannel(ctx.pathParam("channel_id")), null));
    }

    private void deleteChannel(Context ctx) {
        access.requireAdmin(ctx);
        String id = ctx.pathParam("channel_id");
        if (!store.deleteChannel(id)) {
            throw new NotFoundException("channel", id);
        }
        ctx.status(204);
    }

    private void testChannel(Context ctx) {
        access.requireAdmin(ctx);
        List<Notification> rows = notifications.enqueueTest(requireChannel(ctx.pathParam("channel_id")));
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("deliveries");
        rows.forEach(n -> list.add(notificationJson.writeDelivery(n, List.of())));
        ctx.status(202).json(out);
    }

    private void listDeliveries(Context ctx) {
        access.requireAdmin(ctx);
        int limit = Requests.intParam(ctx, "limit", Requests.DEFAULT_PAGE, 1, Requests.MAX_PAGE);
        String stateName = ctx.queryParam("state");
        DeliveryState state = stateName == null ? null : DeliveryState.fromWire(stateName).orElseThrow(() ->
                HttpProblem.badRequest("state", "state: must be one of pending, failed, delivered, dead, was \""
                        + stateName + "\""));
        Cursor after = Cursor.parse(ctx.queryParam("cursor"));
        List<Notification> rows = store.notifications(new DeliveryQuery(ctx.queryParam("channel"), state,
                after == null ? null : after.createdAt(), after == null ? null : after.id(), limit + 1));
        boolean more = rows.size() > limit;
        List<Notification> page = more ? rows.subList(0, limit) : rows;
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("deliveries");
        page.forEach(n -> list.add(notificationJson.writeDelivery(n, store.attempts(n.id()))));
        out.put("next_cursor", more ? Cursor.of(page.get(page.size() - 1)) : null);
        ctx.json(out);
    }

    private void getDelivery(Context ctx) {
        access.requireAdmin(ctx);
        String id = ctx.pathParam("delivery_id");
        Notification n = store.notification(id).orElseThrow(() -> new NotFoundException("delivery", id));
        ctx.json(notificationJson.writeDelivery(n, store.attempts(id)));
    }

    private Channel requireChannel(String id) {
        return store.channel(id).orElseThrow(() -> new NotFoundException("channel", id));
    }

    /** The opaque cursor of the delivery log: the creation time and id of the last row of the previous page. */
    private record Cursor(Instant createdAt, String id) {
        static String of(Notification last) {
            String raw = last.createdAt().toEpochMilli() + ":" + last.id();
            return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
        }

        static Cursor parse(String cursor) {
            if (cursor == null) {
                return null;
            }
            try {
                String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
                int colon = raw.indexOf(':');
                return new Cursor(Instant.ofEpochMilli(Long.parseLong(raw.substring(0, colon))),
                        raw.substring(colon + 1));
            } catch (RuntimeException e) {
                throw HttpProblem.badRequest("cursor", "cursor: is not a cursor returned by this API");
            }
        }
    }
}
