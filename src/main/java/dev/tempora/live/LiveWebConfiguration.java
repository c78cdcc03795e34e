package dev.tempora.live;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Registers the conditional GETs on the resources dashboards poll. */
@Configuration(proxyBeanMethods = false)
class LiveWebConfiguration implements WebMvcConfigurer {

    private final ConditionalGets conditionalGets;

    LiveWebConfiguration(ConditionalGets conditionalGets) {
        this.conditionalGets = conditionalGets;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(conditionalGets)
                .addPathPatterns("/api/v1/tasks", "/api/v1/tasks/*", "/api/v1/queue", "/api/v1/stats");
    }
}
