package io.agentorchestrator.examples;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * The work of a {@code route-planning} agent: the shortest road route between two logistics hubs
 * of the Malaysia-Singapore-southern Thailand corridor (Dijkstra over a small road graph).
 *
 * <p>Request: {@code from=Port Klang;to=Penang;cargo=chilled}. Reply:
 * {@code route=Port Klang>Kuala Lumpur>Ipoh>Butterworth>Penang;km=470;legs=4}. Distances are
 * rounded road distances, good enough for a demo, not for dispatching lorries.
 */
final class RoutePlanner {

    private static final Map<String, Map<String, Integer>> ROADS = new LinkedHashMap<>();

    static {
        road("Port Klang", "Kuala Lumpur", 45);
        road("Port Klang", "KLIA", 60);
        road("Kuala Lumpur", "KLIA", 55);
        road("Kuala Lumpur", "Seremban", 65);
        road("KLIA", "Seremban", 40);
        road("Seremban", "Melaka", 85);
        road("Melaka", "Johor Bahru", 220);
        road("Johor Bahru", "Singapore", 25);
        road("Kuala Lumpur", "Ipoh", 205);
        road("Ipoh", "Butterworth", 160);
        road("Butterworth", "Penang", 15);
        road("Butterworth", "Alor Setar", 95);
        road("Alor Setar", "Hat Yai", 130);
        road("Kuala Lumpur", "Kuantan", 250);
        road("Kuantan", "Kota Bharu", 365);
        road("Kuantan", "Johor Bahru", 330);
        road("Ipoh", "Kota Bharu", 340);
    }

    private static final List<String> HUBS = List.copyOf(ROADS.keySet());
    private static final String[] CARGO = {"chilled", "frozen", "dry"};

    private RoutePlanner() {
    }

    private static void road(String a, String b, int km) {
        ROADS.computeIfAbsent(a, k -> new LinkedHashMap<>()).put(b, km);
        ROADS.computeIfAbsent(b, k -> new LinkedHashMap<>()).put(a, km);
    }

    /** Plans one route and returns the reply text. */
    static String plan(String request) {
        Map<String, String> in = KeyValues.parse(request);
        String from = hub(KeyValues.require(in, "from"));
        String to = hub(KeyValues.require(in, "to"));

        Map<String, Integer> distance = new HashMap<>();
        Map<String, String> previous = new HashMap<>();
        PriorityQueue<Map.Entry<String, Integer>> frontier = new PriorityQueue<>(Map.Entry.comparingByValue());
        distance.put(from, 0);
        frontier.add(Map.entry(from, 0));
        while (!frontier.isEmpty()) {
            Map.Entry<String, Integer> next = frontier.poll();
            String hub = next.getKey();
            if (next.getValue() > distance.get(hub)) {
                continue; // a stale entry: a shorter way here was found after it was queued
            }
            if (hub.equals(to)) {
                break;
            }
            for (Map.Entry<String, Integer> road : ROADS.get(hub).entrySet()) {
                int via = next.getValue() + road.getValue();
                if (via < distance.getOrDefault(road.getKey(), Integer.MAX_VALUE)) {
                    distance.put(road.getKey(), via);
                    previous.put(road.getKey(), hub);
                    frontier.add(Map.entry(road.getKey(), via));
                }
            }
        }
        Deque<String> route = new ArrayDeque<>();
        for (String hub = to; hub != null; hub = previous.get(hub)) {
            route.addFirst(hub);
        }
        Map<String, String> out = new LinkedHashMap<>();
        out.put("route", String.join(">", route));
        out.put("km", Integer.toString(distance.get(to)));
        out.put("legs", Integer.toString(route.size() - 1));
        return KeyValues.format(out);
    }

    /** A sample request between two different hubs. */
    static String sampleRequest(Random random) {
        String from = HUBS.get(random.nextInt(HUBS.size()));
        List<String> others = new ArrayList<>(HUBS);
        others.remove(from);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("from", from);
        fields.put("to", others.get(random.nextInt(others.size())));
        fields.put("cargo", CARGO[random.nextInt(CARGO.length)]);
        return KeyValues.format(fields);
    }

    private static String hub(String name) {
        if (!ROADS.containsKey(name)) {
            throw new IllegalArgumentException("unknown hub '" + name + "'; known: " + HUBS);
        }
        return name;
    }
}
