/*
 * Copyright 2026 the original author or authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *      https://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/**
 * Stale-if-error: a failed GET is answered with the last good response the gateway kept,
 * where HTTP allows it (RFC 5861, RFC 9111), marked as stale (RFC 9211
 * {@code Cache-Status}), from memory or from Redis shared by a fleet of gateways.
 */
@NullMarked
package io.github.gatewayerrorpolicy.stale;

import org.jspecify.annotations.NullMarked;
