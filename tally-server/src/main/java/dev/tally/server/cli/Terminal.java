package dev.tally.server.cli;

import java.io.Console;
import java.lang.reflect.Method;

/** Whether this process talks to an interactive terminal, which decides colours and progress bars. */
final class Terminal {
    private Terminal() {
    }

    /**
     * True when the standard streams are an interactive terminal. {@code System.console()} is null when one is
     * redirected up to Java 21; from Java 22 it returns a console anyway, and {@code Console.isTerminal()} (called
     * reflectively, since Tally builds for 17) tells the truth. Java cannot ask about stderr alone, so a redirected
     * stdout also turns the stderr progress bar off: the safe side.
     */
    static boolean isInteractive() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
