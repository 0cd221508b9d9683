package dev.tally.server.http;

import dev.tally.core.problem.FieldError;

import java.util.List;

/** An error that only exists at the HTTP edge (authentication, access, body size, unreadable JSON). */
public final class HttpProblem extends RuntimeException {
    private final int status;
    private final String title;
    private final List<FieldError> errors;

    public HttpProblem(int status, String title, String detail, List<FieldError> errors) {
        super(detail);
        this.status = status;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    public static HttpProblem unauthorized(String detail) {
        return new HttpProblem(401, "Unauthorized", detail, List.of());
    }

    public static HttpProblem forbidden(String detail) {
        return new HttpProblem(403, "Forbidden", detail, List.of());
    }

    public static HttpProblem badRequest(String field, String message) {
        return new HttpProblem(400, "Invalid request", message, List.of(new FieldError(field, message)));
    }

    public static HttpProblem tooLarge(String detail) {
        return new HttpProblem(413, "Payload too large", detail, List.of());
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public List<FieldError> errors() {
        return errors;
    }
}
