package dev.moesaic.serving;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;

/** The Spring Boot WebFlux application behind {@code moesaic serve}. */
@SpringBootApplication(proxyBeanMethods = false)
@EnableConfigurationProperties(MoesaicProperties.class)
public class ServingApplication {
    /** Starts the server; {@code args} are Spring arguments such as {@code --moesaic.model=builtin:tiny-moe}. */
    public static ConfigurableApplicationContext run(String... args) {
        SpringApplication app = new SpringApplication(ServingApplication.class);
        return app.run(args);
    }
}
