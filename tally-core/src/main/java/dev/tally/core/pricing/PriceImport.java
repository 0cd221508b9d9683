package dev.tally.core.pricing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What importing an outside price list would change in the catalog: models added, changed, unchanged and skipped,
 * and the prices to store.
 *
 * <p>Rules: every imported price starts at one effective date. A model is <em>added</em> if it has no price of its
 * own in effect at that date, <em>unchanged</em> if each imported price equals (as a price per unit) the one in effect
 * then, else <em>changed</em>. Only added and changed models' prices are stored, so importing the same file twice
 * stores nothing the second time. Prices in effect before the date stay, so events before it keep their prices.
 * Where two entries name the same provider and model, the first one in the file wins and the other is skipped.
 */
public final class PriceImport {
    private PriceImport() {
    }

    /** Plans the import of {@code entries} (in file order) from {@code effectiveFrom} against {@code catalog}. */
    public static Report plan(PriceCatalog catalog, List<LitellmModel> entries, Instant effectiveFrom) {
        List<ModelChange> added = new ArrayList<>();
        List<ModelChange> changed = new ArrayList<>();
        List<ModelChange> unchanged = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        List<Price> toStore = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (LitellmModel entry : entries) {
            LitellmMapping.Mapped mapped = LitellmMapping.map(entry, effectiveFrom);
            if (mapped.isSkipped()) {
                skipped.add(new Skipped(entry.key(), mapped.skipReason()));
                continue;
            }
            String first = seen.putIfAbsent(mapped.provider() + '\u0000' + mapped.model(), entry.key());
            if (first != null) {
                skipped.add(new Skipped(entry.key(), "names the same provider and model as \"" + first
                        + "\", which is imported instead"));
                continue;
            }
            List<PriceChange> changes = new ArrayList<>();
            for (Price p : mapped.prices()) {
                Price before = catalog.seriesPriceAt(p.provider(), p.model(), p.metric(), p.abovePromptTokens(),
                        effectiveFrom);
                if (before == null || !samePerUnit(before, p)) {
                    changes.add(new PriceChange(p.metric(), p.abovePromptTokens(), before, p));
                }
            }
            ModelChange change = new ModelChange(entry.key(), mapped.provider(), mapped.model(), mapped.prices(),
                    List.copyOf(changes), mapped.leftOut());
            if (!catalog.hasOwnPricesAt(mapped.provider(), mapped.model(), effectiveFrom)) {
                added.add(change);
                toStore.addAll(mapped.prices());
            } else if (!changes.isEmpty()) {
                changed.add(change);
                toStore.addAll(mapped.prices());
            } else {
                unchanged.add(change);
            }
        }
        return new Report(effectiveFrom, List.copyOf(added), List.copyOf(changed), List.copyOf(unchanged),
                List.copyOf(skipped), List.copyOf(toStore));
    }

    /** Whether two prices cost the same per unit ({@code 2.5 per 1,000,000} is {@code 0.0025 per 1,000}). */
    static boolean samePerUnit(Price a, Price b) {
        return a.unitPrice().multiply(BigDecimal.valueOf(b.per()))
                .compareTo(b.unitPrice().multiply(BigDecimal.valueOf(a.per()))) == 0;
    }

    /**
     * The outcome of an import plan.
     *
     * @param effectiveFrom when the imported prices start
     * @param added         models that had no price of their own
     * @param changed       models with at least one different price
     * @param unchanged     models whose prices are all the same already
     * @param skipped       entries left out, with the reason
     * @param toStore       the prices to store (added and changed models')
     */
    public record Report(Instant effectiveFrom, List<ModelChange> added, List<ModelChange> changed,
                         List<ModelChange> unchanged, List<Skipped> skipped, List<Price> toStore) {
    }

    /**
     * One model of the file.
     *
     * @param key     its key in the file
     * @param changes its prices that differ from the catalog's at the effective date (all of them if added)
     * @param leftOut its price fields Tally does not import
     */
    public record ModelChange(String key, String provider, String model, List<Price> prices,
                              List<PriceChange> changes, List<String> leftOut) {
    }

    /** One price that differs: {@code before} is null when the catalog had none for this metric and tier. */
    public record PriceChange(String metric, long abovePromptTokens, Price before, Price after) {
    }

    /** An entry of the file that is not imported, and why. */
    public record Skipped(String key, String reason) {
    }
}
