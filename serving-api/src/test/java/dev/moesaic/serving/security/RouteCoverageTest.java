package dev.moesaic.serving.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.context.ApplicationContext;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.function.server.support.RouterFunctionMapping;
import org.springframework.web.reactive.handler.AbstractUrlHandlerMapping;
import org.springframework.web.reactive.result.method.RequestMappingInfo;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;

/**
 * Every route the server has carries an access rule: a controller method added later without
 * {@link Access} fails here (and is refused at run time). No other handler mapping serves anything,
 * so there is no route the rule cannot see.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RouteCoverageTest {
    @Autowired
    ApplicationContext context;

    @Test
    void everyControllerRouteHasAnAccessRule() {
        RequestMappingHandlerMapping routes = context.getBean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class);
        Map<RequestMappingInfo, HandlerMethod> methods = routes.getHandlerMethods();
        assertThat(methods).as("the server's routes").isNotEmpty();
        methods.forEach((info, method) -> assertThat(AccessFilter.levelOf(method))
                .as("access rule of %s (%s)", info, method).isNotNull());
    }

    @Test
    void noOtherHandlerMappingServesRoutes() {
        for (Map.Entry<String, HandlerMapping> e : context.getBeansOfType(HandlerMapping.class).entrySet()) {
            HandlerMapping mapping = e.getValue();
            if (mapping instanceof RequestMappingHandlerMapping) {
                assertThat(e.getKey()).isEqualTo("requestMappingHandlerMapping");
            } else if (mapping instanceof RouterFunctionMapping functions) {
                assertThat(functions.getRouterFunction()).as("router functions of %s", e.getKey()).isNull();
            } else if (mapping instanceof AbstractUrlHandlerMapping urls) {
                assertThat(urls.getHandlerMap()).as("URL handlers of %s", e.getKey()).isEmpty();
            } else if (mapping.getClass().getSimpleName().equals("EmptyHandlerMapping")) {
                continue; // what WebFlux registers when static resources are off (spring.web.resources.add-mappings)
            } else {
                throw new AssertionError("a handler mapping the access rule does not know: " + e.getKey() + " " + mapping);
            }
        }
    }
}
