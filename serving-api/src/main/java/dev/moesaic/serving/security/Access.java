package dev.moesaic.serving.security;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The access rule of a controller route, on the handler method or its controller class (the method's
 * wins). {@link AccessFilter} reads it from the handler the router matched; a route without one is
 * refused (deny by default), and a test fails when a controller route lacks it.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Access {
    AccessLevel value();
}
