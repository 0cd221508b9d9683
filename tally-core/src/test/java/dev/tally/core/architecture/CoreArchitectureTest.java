package dev.tally.core.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The core's shape, checked on its compiled classes: its packages form one stack with no arrow back up (no cycle
 * between any two {@code dev.tally.core.*} packages, however long), and it imports no framework. The stack itself is
 * drawn in {@code docs/architecture.md}; each package's {@code package-info.java} says what it may depend on.
 *
 * <p>The rules are also run on a deliberate cycle and a deliberate JDBC use (test fixtures in
 * {@code dev.tally.archfixture}), so a rule that silently checks nothing fails here too.
 */
class CoreArchitectureTest {
    /** Packages a framework-free core must not touch: HTTP, JSON, JDBC and its drivers, Redis clients, logging. */
    private static final String[] FRAMEWORKS = {
            "io.javalin..", "org.eclipse.jetty..", "jakarta.servlet..", "com.fasterxml.jackson..", "tools.jackson..",
            "java.sql..", "javax.sql..", "org.sqlite..", "org.postgresql..", "com.zaxxer.hikari..", "org.flywaydb..",
            "io.lettuce..", "redis.clients..", "io.micrometer..", "org.slf4j..", "ch.qos.logback.."};

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tally.core");

    private static final JavaClasses FIXTURES = new ClassFileImporter().importPackages("dev.tally.archfixture");

    private static ArchRule noCycles(String root) {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles();
    }

    private static ArchRule noFrameworks(String root) {
        return noClasses().that().resideInAPackage(root + "..")
                .should().dependOnClassesThat().resideInAnyPackage(FRAMEWORKS);
    }

    @Test
    void corePackages_anyTwo_noCycle() {
        assertThat(CORE.containPackage("dev.tally.core.enforce")).isTrue(); // the import found the core's classes
        noCycles("dev.tally.core").check(CORE);
    }

    @Test
    void core_anyClass_importsNoFramework() {
        noFrameworks("dev.tally.core").check(CORE);
    }

    @Test
    void cycleRule_deliberateCycle_fails() {
        assertThatThrownBy(() -> noCycles("dev.tally.archfixture.cycle").check(FIXTURES))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Cycle detected").hasMessageContaining("up").hasMessageContaining("down");
    }

    @Test
    void frameworkRule_jdbcUse_fails() {
        assertThatThrownBy(() -> noFrameworks("dev.tally.archfixture").check(FIXTURES))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("java.sql.Connection");
    }
}
