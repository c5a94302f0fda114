package io.agentorchestrator.api;

import java.util.Objects;

/**
 * Bad input rejected at the edge: a value that breaks a rule, named with its field.
 *
 * <p>The message always reads {@code "<field> <rule>, but was <value>"}, for example
 * {@code "maxConcurrency must be >= 1, but was -3"}. Nothing is registered or sent when this is
 * thrown. The static {@code require*} methods are the checks every value type of the library
 * uses, available to plug-in authors so their messages read the same.
 */
public class ValidationException extends OrchestratorException {

    private final String field;
    private final String rule;
    private final transient Object value;

    /**
     * Creates the exception.
     *
     * @param field the name of the offending field, as the caller wrote it ({@code "weight"})
     * @param rule  the rule it broke, phrased to follow the field ({@code "must be >= 1"})
     * @param value the rejected value; long strings are shortened in the message
     */
    public ValidationException(String field, String rule, Object value) {
        super(field + " " + rule + ", but was " + describe(value));
        this.field = field;
        this.rule = rule;
        this.value = value;
    }

    /** The name of the field that broke the rule. */
    public String field() {
        return field;
    }

    /** The rule that was broken, e.g. {@code "must be >= 1"}. */
    public String rule() {
        return rule;
    }

    /** The rejected value (may be {@code null}). */
    public Object value() {
        return value;
    }

    /**
     * Throws when {@code value} is null, else returns it.
     *
     * @throws ValidationException naming {@code field} when {@code value} is null
     */
    public static <T> T requireNonNull(T value, String field) {
        if (value == null) {
            throw new ValidationException(field, "must not be null", null);
        }
        return value;
    }

    /**
     * Throws unless {@code min <= value <= max}, else returns it.
     *
     * @throws ValidationException naming {@code field} and the range
     */
    public static int requireInRange(int value, int min, int max, String field) {
        if (value < min || value > max) {
            throw new ValidationException(field, "must be between " + min + " and " + max, value);
        }
        return value;
    }

    /**
     * Throws when {@code condition} is false.
     *
     * @throws ValidationException with the given field, rule and value
     */
    public static void require(boolean condition, String field, String rule, Object value) {
        if (!condition) {
            throw new ValidationException(field, rule, value);
        }
    }

    private static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof CharSequence) {
            String s = value.toString();
            if (s.length() > 80) {
                s = s.substring(0, 77) + "...";
            }
            return "'" + s + "'";
        }
        return Objects.toString(value);
    }
}
